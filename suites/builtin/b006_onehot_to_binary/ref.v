module TopModule (
  input      [7:0] in,
  output reg [2:0] idx,
  output reg       err
);
  always @(*) begin
    case (in)
      8'b0000_0001: begin idx = 3'd0; err = 1'b0; end
      8'b0000_0010: begin idx = 3'd1; err = 1'b0; end
      8'b0000_0100: begin idx = 3'd2; err = 1'b0; end
      8'b0000_1000: begin idx = 3'd3; err = 1'b0; end
      8'b0001_0000: begin idx = 3'd4; err = 1'b0; end
      8'b0010_0000: begin idx = 3'd5; err = 1'b0; end
      8'b0100_0000: begin idx = 3'd6; err = 1'b0; end
      8'b1000_0000: begin idx = 3'd7; err = 1'b0; end
      default:      begin idx = 3'd0; err = 1'b1; end
    endcase
  end
endmodule
