// Equivalent: the Verilog twin of the VHDL reference (mixed, the other way round).
module TopModule (
  input            clk,
  input            reset,
  input            load,
  input      [7:0] value,
  output reg [7:0] count,
  output reg       done
);
  always @(posedge clk) begin
    if (reset) begin
      count <= 8'd0;
      done  <= 1'b0;
    end else if (load) begin
      count <= value;
      done  <= 1'b0;
    end else if (count != 8'd0) begin
      count <= count - 8'd1;
      done  <= count == 8'd1;
    end else begin
      done <= 1'b0;
    end
  end
endmodule
