module TopModule (
  input            clk,
  input            rst_n,
  input      [1:0] mode,
  input            sin_r,
  input            sin_l,
  input      [3:0] d,
  output reg [3:0] q
);
  always @(posedge clk) begin
    if (!rst_n) q <= 4'b0000;
    else begin
      case (mode)
        2'b00:   q <= q;
        2'b01:   q <= {sin_r, q[3:1]};
        2'b10:   q <= {q[2:0], sin_l};
        default: q <= d;
      endcase
    end
  end
endmodule
